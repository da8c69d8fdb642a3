# Validation loss (chosen learning rates)
# Re-plot with `gnuplot validation-loss.gp` in this folder; the data is in validation-loss.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "validation-loss.svg"
set title "Validation loss (chosen learning rates)"
set xlabel "step"
set ylabel "validation loss (nats/token)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "validation-loss.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "validation-loss.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "AdamW", \
     "validation-loss.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "validation-loss.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "GaLore", \
     "validation-loss.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "validation-loss.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "Random projection", \
     "validation-loss.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "validation-loss.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "COAP", \
     "validation-loss.dat" index 4 using 1:3:4 with filledcurves lc rgb "#9467bd" notitle, \
     "validation-loss.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "8-bit COAP", \
     1.2126960533940103 with lines dt 2 lw 1.5 lc rgb "black" title "optimal loss"
