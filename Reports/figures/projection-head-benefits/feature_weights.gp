# Per-feature weights before and after the head (linear network)
# Re-plot with `gnuplot feature_weights.gp` in this folder; the data is in feature_weights.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "feature_weights.svg"
set title "Per-feature weights before and after the head (linear network)"
set xlabel "feature k"
set ylabel "weight ‖Aμ_k‖"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "feature_weights.dat" index 0 using 1:2 with points pt 7 ps 0.8 lc rgb "#1f77b4" title "after the head, measured", \
     "feature_weights.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "after, predicted √ρ_k/σ_k", \
     "feature_weights.dat" index 2 using 1:2 with points pt 7 ps 0.8 lc rgb "#2ca02c" title "before the head, measured", \
     "feature_weights.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "before, predicted (√ρ_k/σ_k)^{1/2}"
