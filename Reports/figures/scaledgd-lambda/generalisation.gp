# r = n = 30, m = 270: test vs training error, seed 0
# Re-plot with `gnuplot generalisation.gp` in this folder; the data is in generalisation.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "generalisation.svg"
set title "r = n = 30, m = 270: test vs training error, seed 0"
set xlabel "iteration"
set ylabel "relative error"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "generalisation.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "GD: recovery error", \
     "generalisation.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "GD: training residual", \
     "generalisation.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "ScaledGD(λ): recovery error", \
     "generalisation.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "ScaledGD(λ): training residual"
