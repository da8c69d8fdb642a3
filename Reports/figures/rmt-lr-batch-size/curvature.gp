# Top eigenvalue of batch curvature against batch size
# Re-plot with `gnuplot curvature.gp` in this folder; the data is in curvature.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "curvature.svg"
set title "Top eigenvalue of batch curvature against batch size"
set xlabel "batch size B"
set ylabel "λ_max"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
plot "curvature.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "curvature.dat" index 0 using 1:2 with points pt 7 ps 0.8 lc rgb "#1f77b4" title "Hessian (batch mean)", \
     "curvature.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "Hessian fit λ_emp + c/B", \
     "curvature.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "Hessian, full data", \
     "curvature.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "curvature.dat" index 3 using 1:2 with points pt 7 ps 0.8 lc rgb "#d62728" title "GGN (batch mean)", \
     "curvature.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "GGN fit", \
     "curvature.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "GGN, full data"
