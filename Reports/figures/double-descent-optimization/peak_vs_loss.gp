# Peak height against the training loss reached at N = n
# Re-plot with `gnuplot peak_vs_loss.gp` in this folder; the data is in peak_vs_loss.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "peak_vs_loss.svg"
set title "Peak height against the training loss reached at N = n"
set xlabel "training MSE at N = n"
set ylabel "peak prominence of test MSE"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 10
set format x "%g"
plot "peak_vs_loss.dat" index 0 using 1:2 with points pt 7 ps 0.8 lc rgb "#1f77b4" title "settings (raw and normalized, all budgets)"
