# Training loss (mini-batch mean per epoch, at the unperturbed weights)
# Re-plot with `gnuplot train-loss.gp` in this folder; the data is in train-loss.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "train-loss.svg"
set title "Training loss (mini-batch mean per epoch, at the unperturbed weights)"
set xlabel "gradient evaluations (epochs of SGD)"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "train-loss.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "train-loss.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "SGD", \
     "train-loss.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "train-loss.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "SGD+GAM", \
     "train-loss.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "train-loss.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "SAM", \
     "train-loss.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "train-loss.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "SAM+GAM"
