# Bias-correction ablation: loss after 100 steps
# Re-plot with `gnuplot c1c-bias-correction.gp` in this folder; the data is in c1c-bias-correction.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c1c-bias-correction.svg"
set title "Bias-correction ablation: loss after 100 steps"
set xlabel "learning rate α"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
set logscale y 10
set format y "%g"
plot "c1c-bias-correction.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "β₂ = 0.99, with correction", \
     "c1c-bias-correction.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "β₂ = 0.99, without correction", \
     "c1c-bias-correction.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "β₂ = 0.999, with correction", \
     "c1c-bias-correction.dat" index 3 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#d62728" title "β₂ = 0.999, without correction", \
     "c1c-bias-correction.dat" index 4 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#9467bd" title "β₂ = 0.9999, with correction", \
     "c1c-bias-correction.dat" index 5 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#8c564b" title "β₂ = 0.9999, without correction"
