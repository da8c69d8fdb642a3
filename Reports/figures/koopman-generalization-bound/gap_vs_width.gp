# Measured generalization gap
# Re-plot with `gnuplot gap_vs_width.gp` in this folder; the data is in gap_vs_width.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "gap_vs_width.svg"
set title "Measured generalization gap"
set xlabel "width d"
set ylabel "train − test accuracy (points)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
plot "gap_vs_width.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "orthogonal", \
     "gap_vs_width.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "unconstrained"
