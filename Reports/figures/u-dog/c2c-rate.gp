# Noiseless least squares
# Re-plot with `gnuplot c2c-rate.gp` in this folder; the data is in c2c-rate.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c2c-rate.svg"
set title "Noiseless least squares"
set xlabel "gradient evaluations"
set ylabel "f(x̂) − f*"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
set logscale y 10
set format y "%g"
plot "c2c-rate.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "U-DoG", \
     "c2c-rate.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "DoG (averaged)", \
     "c2c-rate.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "GD, lr 1 (best final)"
