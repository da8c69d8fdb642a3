# Gradient norm by block
# Re-plot with `gnuplot gradient-norm.gp` in this folder; the data is in gradient-norm.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "gradient-norm.svg"
set title "Gradient norm by block"
set xlabel "layer"
set ylabel "‖∇ block‖"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "gradient-norm.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "Post-LN", \
     "gradient-norm.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "Pre-LN", \
     "gradient-norm.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "Peri-LN"
