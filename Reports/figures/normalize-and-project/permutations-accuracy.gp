# Accuracy at the end of each task (permuted inputs, test)
# Re-plot with `gnuplot permutations-accuracy.gp` in this folder; the data is in permutations-accuracy.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "permutations-accuracy.svg"
set title "Accuracy at the end of each task (permuted inputs, test)"
set xlabel "task"
set ylabel "accuracy"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "permutations-accuracy.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "MLP", \
     "permutations-accuracy.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "MLP + LayerNorm", \
     "permutations-accuracy.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "NaP"
