# Measured plateau of λ_max against the predicted edge
# Re-plot with `gnuplot plateau-vs-prediction.gp` in this folder; the data is in plateau-vs-prediction.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "plateau-vs-prediction.svg"
set title "Measured plateau of λ_max against the predicted edge"
set xlabel "predicted edge (2/η for GD, root of ηλ(1+ρλ)=2 for USAM)"
set ylabel "plateau of λ_max"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "plateau-vs-prediction.dat" index 0 using 1:2 with points pt 7 ps 0.8 lc rgb "#1f77b4" title "GD", \
     "plateau-vs-prediction.dat" index 1 using 1:2 with points pt 7 ps 0.8 lc rgb "#ff7f0e" title "USAM", \
     "plateau-vs-prediction.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "prediction", \
     "plateau-vs-prediction.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "+15%", \
     "plateau-vs-prediction.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "−15%"
