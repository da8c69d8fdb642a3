# Fine-tuning loss, 50 examples
# Re-plot with `gnuplot loss-n50.gp` in this folder; the data is in loss-n50.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "loss-n50.svg"
set title "Fine-tuning loss, 50 examples"
set xlabel "step"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "loss-n50.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "loss-n50.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "AdamW", \
     "loss-n50.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "loss-n50.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "SAM", \
     "loss-n50.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "loss-n50.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "FSAM"
