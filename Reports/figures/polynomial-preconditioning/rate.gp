# Measured iterations of preconditioned GD against the predicted rate
# Re-plot with `gnuplot rate.gp` in this folder; the data is in rate.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "rate.svg"
set title "Measured iterations of preconditioned GD against the predicted rate"
set xlabel "predicted iterations ⌈ln 1e-8 / 2 ln(1 − μ_τ/L̂_τ)⌉"
set ylabel "measured iterations"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
set logscale y 10
set format y "%g"
plot "rate.dat" index 0 using 1:2 with points pt 7 ps 0.8 lc rgb "#1f77b4" title "runs (every τ, k, seed)", \
     "rate.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "measured = predicted"
