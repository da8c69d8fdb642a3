# Top Hessian eigenvalues for k classes (h = 32, seed 0)
# Re-plot with `gnuplot scree-classes.gp` in this folder; the data is in scree-classes.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "scree-classes.svg"
set title "Top Hessian eigenvalues for k classes (h = 32, seed 0)"
set xlabel "rank i"
set ylabel "λ_i"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "scree-classes.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "Hessian, k = 2", \
     "scree-classes.dat" index 1 using 1:2 with points pt 7 ps 0.8 lc rgb "#ff7f0e" title "Gauss–Newton, k = 2", \
     "scree-classes.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "Hessian, k = 5", \
     "scree-classes.dat" index 3 using 1:2 with points pt 7 ps 0.8 lc rgb "#d62728" title "Gauss–Newton, k = 5", \
     "scree-classes.dat" index 4 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#9467bd" title "Hessian, k = 10", \
     "scree-classes.dat" index 5 using 1:2 with points pt 7 ps 0.8 lc rgb "#8c564b" title "Gauss–Newton, k = 10"
