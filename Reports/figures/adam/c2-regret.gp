# Regret R(T) of Adam with α_t = α/√t
# Re-plot with `gnuplot c2-regret.gp` in this folder; the data is in c2-regret.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c2-regret.svg"
set title "Regret R(T) of Adam with α_t = α/√t"
set xlabel "round T"
set ylabel "regret R(T)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 10
set format x "%g"
set logscale y 10
set format y "%g"
plot "c2-regret.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "online least squares (exponent 0.32)", \
     "c2-regret.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "Reddi et al. counterexample, Adam (exponent 0.997)", \
     "c2-regret.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "Reddi et al. counterexample, AMSGrad (exponent 0.449)", \
     "c2-regret.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "√T (the claimed rate)", \
     "c2-regret.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "2(C−2)T/3 (linear regret at x = +1)"
