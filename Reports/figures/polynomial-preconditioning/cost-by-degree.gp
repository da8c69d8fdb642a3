# Products with B to 1e-8 against the degree τ (seed 0)
# Re-plot with `gnuplot cost-by-degree.gp` in this folder; the data is in cost-by-degree.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "cost-by-degree.svg"
set title "Products with B to 1e-8 against the degree τ (seed 0)"
set xlabel "degree τ"
set ylabel "products with B"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "cost-by-degree.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "preconditioned GD, k = 1", \
     "cost-by-degree.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "GD, k = 1", \
     "cost-by-degree.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "preconditioned GD, k = 3", \
     "cost-by-degree.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "GD, k = 3", \
     "cost-by-degree.dat" index 4 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#9467bd" title "preconditioned GD, k = 5", \
     "cost-by-degree.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "GD, k = 5"
