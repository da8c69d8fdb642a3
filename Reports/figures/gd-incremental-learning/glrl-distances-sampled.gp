# Distance to GLRL's critical points (k = 30, α = 1e-8, seed 0, m = 2000)
# Re-plot with `gnuplot glrl-distances-sampled.gp` in this folder; the data is in glrl-distances-sampled.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "glrl-distances-sampled.svg"
set title "Distance to GLRL's critical points (k = 30, α = 1e-8, seed 0, m = 2000)"
set xlabel "step"
set ylabel "‖UUᵀ − M_s‖ / ‖M⋆‖"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "glrl-distances-sampled.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "M0", \
     "glrl-distances-sampled.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "M1", \
     "glrl-distances-sampled.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "M2", \
     "glrl-distances-sampled.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "M3"
