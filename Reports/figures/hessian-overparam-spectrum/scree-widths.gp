# Top Hessian eigenvalues for widths h (k = 5, seed 0)
# Re-plot with `gnuplot scree-widths.gp` in this folder; the data is in scree-widths.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "scree-widths.svg"
set title "Top Hessian eigenvalues for widths h (k = 5, seed 0)"
set xlabel "rank i"
set ylabel "λ_i"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "scree-widths.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "h = 16 (P = 261)", \
     "scree-widths.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "h = 32 (P = 517)", \
     "scree-widths.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "h = 64 (P = 1029)", \
     "scree-widths.dat" index 3 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#d62728" title "h = 128 (P = 2053)"
