# CNN on jittered digits: test accuracy
# Re-plot with `gnuplot accuracy-cnn.gp` in this folder; the data is in accuracy-cnn.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "accuracy-cnn.svg"
set title "CNN on jittered digits: test accuracy"
set xlabel "epoch"
set ylabel "test accuracy"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "accuracy-cnn.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "accuracy-cnn.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "SGD-momentum", \
     "accuracy-cnn.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "accuracy-cnn.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "SGD-momentum + TrAct", \
     "accuracy-cnn.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "accuracy-cnn.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "Adam", \
     "accuracy-cnn.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "accuracy-cnn.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "Adam + TrAct"
