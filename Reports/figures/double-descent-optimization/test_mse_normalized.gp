# Test MSE against width, normalized features
# Re-plot with `gnuplot test_mse_normalized.gp` in this folder; the data is in test_mse_normalized.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "test_mse_normalized.svg"
set title "Test MSE against width, normalized features"
set xlabel "random features N"
set ylabel "test MSE"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 10
set format x "%g"
set logscale y 10
set format y "%g"
plot "test_mse_normalized.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "GD T = 10", \
     "test_mse_normalized.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "GD T = 100", \
     "test_mse_normalized.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "GD T = 1000", \
     "test_mse_normalized.dat" index 3 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#d62728" title "GD T = 10000", \
     "test_mse_normalized.dat" index 4 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#9467bd" title "GD T = 100000", \
     "test_mse_normalized.dat" index 5 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#8c564b" title "exact min-norm"
