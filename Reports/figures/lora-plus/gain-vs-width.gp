# Gain of LoRA+ over LoRA against width
# Re-plot with `gnuplot gain-vs-width.gp` in this folder; the data is in gain-vs-width.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "gain-vs-width.svg"
set title "Gain of LoRA+ over LoRA against width"
set xlabel "width d"
set ylabel "test loss LoRA − LoRA+ (nats)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
plot "gain-vs-width.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "gain-vs-width.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "paired gain (mean over seeds, 95% CI shaded)", \
     0.0 with lines dt 2 lw 1.5 lc rgb "black" title "no gain"
