# Weak error against the learning rate
# Re-plot with `gnuplot weak-error.gp` in this folder; the data is in weak-error.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "weak-error.svg"
set title "Weak error against the learning rate"
set xlabel "η"
set ylabel "|E f(x_N) − E f(X_T)|"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
set logscale y 10
set format y "%g"
plot "weak-error.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "USAM vs USAM SDE", \
     "weak-error.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "SAM vs SAM SDE", \
     "weak-error.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "USAM vs SGD SDE (control)", \
     "weak-error.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "slope 1", \
     "weak-error.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "slope ½"
