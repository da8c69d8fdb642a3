# Shampoo, SP: learning-rate sweep
# Re-plot with `gnuplot c3-shampoo-sp.gp` in this folder; the data is in c3-shampoo-sp.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c3-shampoo-sp.svg"
set title "Shampoo, SP: learning-rate sweep"
set xlabel "learning rate"
set ylabel "final training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 10
set format x "%g"
set logscale y 10
set format y "%g"
plot "c3-shampoo-sp.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "M = 16", \
     "c3-shampoo-sp.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "M = 32", \
     "c3-shampoo-sp.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "M = 64", \
     "c3-shampoo-sp.dat" index 3 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#d62728" title "M = 128"
