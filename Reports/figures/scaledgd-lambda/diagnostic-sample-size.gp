# Diagnostic: final error against sample size (r = 6, budget 8000)
# Re-plot with `gnuplot diagnostic-sample-size.gp` in this folder; the data is in diagnostic-sample-size.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "diagnostic-sample-size.svg"
set title "Diagnostic: final error against sample size (r = 6, budget 8000)"
set xlabel "measurements per degree of freedom, m / (n r⋆)"
set ylabel "final relative error (geometric mean)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 10
set format x "%g"
set logscale y 10
set format y "%g"
plot "diagnostic-sample-size.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "ScaledGD(λ) κ=10", \
     "diagnostic-sample-size.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "GD κ=10", \
     "diagnostic-sample-size.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "GD κ=1000", \
     1e-06 with lines dt 2 lw 1.5 lc rgb "black" title "ε = 1.00e-6"
