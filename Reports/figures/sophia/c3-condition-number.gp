# Iterations to 1e-4 relative suboptimality
# Re-plot with `gnuplot c3-condition-number.gp` in this folder; the data is in c3-condition-number.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c3-condition-number.svg"
set title "Iterations to 1e-4 relative suboptimality"
set xlabel "condition number κ"
set ylabel "iterations"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 10
set format x "%g"
set logscale y 10
set format y "%g"
plot "c3-condition-number.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "gradient descent", \
     "c3-condition-number.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "Adam", \
     "c3-condition-number.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "Sophia", \
     "c3-condition-number.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "∝ κ (for reference)"
