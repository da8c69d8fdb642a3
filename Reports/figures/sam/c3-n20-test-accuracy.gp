# 20% label noise: clean test accuracy during training
# Re-plot with `gnuplot c3-n20-test-accuracy.gp` in this folder; the data is in c3-n20-test-accuracy.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c3-n20-test-accuracy.svg"
set title "20% label noise: clean test accuracy during training"
set xlabel "gradient evaluations (epochs of SGD)"
set ylabel "test accuracy %"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "c3-n20-test-accuracy.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "c3-n20-test-accuracy.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "SGD", \
     "c3-n20-test-accuracy.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "c3-n20-test-accuracy.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "SAM", \
     "c3-n20-test-accuracy.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "c3-n20-test-accuracy.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "GCE"
