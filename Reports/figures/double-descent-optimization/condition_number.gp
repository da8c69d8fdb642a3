# Condition number of the training features
# Re-plot with `gnuplot condition_number.gp` in this folder; the data is in condition_number.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "condition_number.svg"
set title "Condition number of the training features"
set xlabel "random features N"
set ylabel "κ = σ_max²/σ_min² (geometric mean over seeds)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 10
set format x "%g"
set logscale y 10
set format y "%g"
plot "condition_number.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "raw", \
     "condition_number.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "normalized"
