# Relative error, seed 0, r = 6
# Re-plot with `gnuplot error-vs-iteration.gp` in this folder; the data is in error-vs-iteration.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "error-vs-iteration.svg"
set title "Relative error, seed 0, r = 6"
set xlabel "iteration"
set ylabel "‖XXᵀ − M⋆‖_F / ‖M⋆‖_F"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "error-vs-iteration.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "GD κ=1", \
     "error-vs-iteration.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "ScaledGD(λ) κ=1", \
     "error-vs-iteration.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "GD κ=10", \
     "error-vs-iteration.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "ScaledGD(λ) κ=10", \
     "error-vs-iteration.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "GD κ=100", \
     "error-vs-iteration.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "ScaledGD(λ) κ=100", \
     "error-vs-iteration.dat" index 6 using 1:2 with lines lw 2 lc rgb "#e377c2" title "GD κ=1000", \
     "error-vs-iteration.dat" index 7 using 1:2 with lines lw 2 lc rgb "#7f7f7f" title "ScaledGD(λ) κ=1000", \
     1e-06 with lines dt 2 lw 1.5 lc rgb "black" title "ε = 1.00e-6"
