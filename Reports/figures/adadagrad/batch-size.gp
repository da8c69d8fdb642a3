# Batch size chosen by the tests
# Re-plot with `gnuplot batch-size.gp` in this folder; the data is in batch-size.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "batch-size.svg"
set title "Batch size chosen by the tests"
set xlabel "steps"
set ylabel "batch size"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "batch-size.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "AdAdaGrad (norm)", \
     "batch-size.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "AdAdaGrad (coordinate)", \
     "batch-size.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "AdAdaGradNorm", \
     "batch-size.dat" index 3 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#d62728" title "AdAdaGrad (norm, η=0.5)", \
     "batch-size.dat" index 4 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#9467bd" title "AdAdaGradNorm (η=0.5)"
