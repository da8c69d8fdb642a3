# Hidden-state variance by depth
# Re-plot with `gnuplot variance.gp` in this folder; the data is in variance.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "variance.svg"
set title "Hidden-state variance by depth"
set xlabel "layer"
set ylabel "variance of h_l"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "variance.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "Post-LN", \
     "variance.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "Pre-LN", \
     "variance.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "Peri-LN"
