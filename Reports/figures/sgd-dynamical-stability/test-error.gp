# Test error of the solutions
# Re-plot with `gnuplot test-error.gp` in this folder; the data is in test-error.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "test-error.svg"
set title "Test error of the solutions"
set xlabel "learning rate η"
set ylabel "‖w − w*‖² / ‖w*‖²"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
plot "test-error.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "test-error.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "GD", \
     "test-error.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "test-error.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "SGD B = 1", \
     "test-error.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "test-error.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "SGD B = 4"
