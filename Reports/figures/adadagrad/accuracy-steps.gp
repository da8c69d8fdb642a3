# Test accuracy against steps
# Re-plot with `gnuplot accuracy-steps.gp` in this folder; the data is in accuracy-steps.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "accuracy-steps.svg"
set title "Test accuracy against steps"
set xlabel "steps"
set ylabel "test accuracy"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 10
set format x "%g"
plot "accuracy-steps.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "AdaGrad b=32", \
     "accuracy-steps.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "AdaGrad b=512", \
     "accuracy-steps.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "AdAdaGrad (norm)", \
     "accuracy-steps.dat" index 3 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#d62728" title "AdAdaGrad (coordinate)", \
     "accuracy-steps.dat" index 4 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#9467bd" title "AdaGradNorm b=32", \
     "accuracy-steps.dat" index 5 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#8c564b" title "AdaGradNorm b=512", \
     "accuracy-steps.dat" index 6 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#e377c2" title "AdAdaGradNorm", \
     "accuracy-steps.dat" index 7 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#7f7f7f" title "AdAdaGrad (norm, η=0.5)", \
     "accuracy-steps.dat" index 8 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#bcbd22" title "AdAdaGradNorm (η=0.5)"
