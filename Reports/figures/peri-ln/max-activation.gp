# Largest activation by depth
# Re-plot with `gnuplot max-activation.gp` in this folder; the data is in max-activation.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "max-activation.svg"
set title "Largest activation by depth"
set xlabel "layer"
set ylabel "max |h_l|"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "max-activation.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "Post-LN", \
     "max-activation.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "Pre-LN", \
     "max-activation.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "Peri-LN"
