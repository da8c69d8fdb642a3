# softmax regression (wine): suboptimality
# Re-plot with `gnuplot c3-softmax.gp` in this folder; the data is in c3-softmax.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c3-softmax.svg"
set title "softmax regression (wine): suboptimality"
set xlabel "iteration"
set ylabel "f − f* (mean of log₁₀ over starts)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "c3-softmax.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "gradient descent", \
     "c3-softmax.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "exact Hessian", \
     "c3-softmax.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "stale Hessian (every 10)", \
     "c3-softmax.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "diagonal Hessian", \
     "c3-softmax.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "Böhning bound"
