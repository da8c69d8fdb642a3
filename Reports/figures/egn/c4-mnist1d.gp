# MLP on MNIST-1D: training loss
# Re-plot with `gnuplot c4-mnist1d.gp` in this folder; the data is in c4-mnist1d.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c4-mnist1d.svg"
set title "MLP on MNIST-1D: training loss"
set xlabel "step"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "c4-mnist1d.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "c4-mnist1d.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "EGN", \
     "c4-mnist1d.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "c4-mnist1d.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "SGD", \
     "c4-mnist1d.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "c4-mnist1d.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "Adam", \
     "c4-mnist1d.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "c4-mnist1d.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "SGN"
