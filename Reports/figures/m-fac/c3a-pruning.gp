# One-shot pruning of the MNIST-1D MLP
# Re-plot with `gnuplot c3a-pruning.gp` in this folder; the data is in c3a-pruning.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c3a-pruning.svg"
set title "One-shot pruning of the MNIST-1D MLP"
set xlabel "sparsity (%)"
set ylabel "test accuracy (%)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "c3a-pruning.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "M-FAC OBS", \
     "c3a-pruning.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "magnitude", \
     "c3a-pruning.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "diagonal Fisher"
