# Weight factors of the bounds against width
# Re-plot with `gnuplot factors_vs_width.gp` in this folder; the data is in factors_vs_width.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "factors_vs_width.svg"
set title "Weight factors of the bounds against width"
set xlabel "width d"
set ylabel "log₁₀ factor (mean over seeds)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
plot "factors_vs_width.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "Koopman, orthogonal", \
     "factors_vs_width.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "spectral complexity, orthogonal", \
     "factors_vs_width.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "Frobenius product, orthogonal", \
     "factors_vs_width.dat" index 3 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#d62728" title "Koopman, unconstrained", \
     "factors_vs_width.dat" index 4 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#9467bd" title "spectral complexity, unconstrained", \
     "factors_vs_width.dat" index 5 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#8c564b" title "Frobenius product, unconstrained"
