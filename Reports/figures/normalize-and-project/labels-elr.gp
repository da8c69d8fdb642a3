# effective rate ‖ΔW‖/‖W‖ (mean over the task's steps), hidden layer 1
# Re-plot with `gnuplot labels-elr.gp` in this folder; the data is in labels-elr.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "labels-elr.svg"
set title "effective rate ‖ΔW‖/‖W‖ (mean over the task's steps), hidden layer 1"
set xlabel "task"
set ylabel "effective rate ‖ΔW‖/‖W‖ (mean over the task's steps)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "labels-elr.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "MLP", \
     "labels-elr.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "MLP + LayerNorm", \
     "labels-elr.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "NaP"
