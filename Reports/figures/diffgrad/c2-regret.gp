# Regret R(T) of diffGrad with α_t = α/√t
# Re-plot with `gnuplot c2-regret.gp` in this folder; the data is in c2-regret.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c2-regret.svg"
set title "Regret R(T) of diffGrad with α_t = α/√t"
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
plot "c2-regret.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "online least squares", \
     "c2-regret.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "Reddi et al. counterexample", \
     "c2-regret.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "√T (the claimed rate)"
