# Cost of one EGN direction
# Re-plot with `gnuplot c1b-cost.gp` in this folder; the data is in c1b-cost.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c1b-cost.svg"
set title "Cost of one EGN direction"
set xlabel "parameters d"
set ylabel "counted FLOPs"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
set logscale y 10
set format y "%g"
plot "c1b-cost.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "EGN (b = 32, c = 10)", \
     "c1b-cost.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "⅓d³ (parameter-space solve)"
