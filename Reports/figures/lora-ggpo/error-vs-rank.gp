# Final test error against LoRA rank
# Re-plot with `gnuplot error-vs-rank.gp` in this folder; the data is in error-vs-rank.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "error-vs-rank.svg"
set title "Final test error against LoRA rank"
set xlabel "rank"
set ylabel "test error (%)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
plot "error-vs-rank.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "LoRA", \
     "error-vs-rank.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "LoRA-SAM", \
     "error-vs-rank.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "LoRA-GGPO"
