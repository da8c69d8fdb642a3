# Rosenbrock: training loss
# Re-plot with `gnuplot rosenbrock.gp` in this folder; the data is in rosenbrock.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "rosenbrock.svg"
set title "Rosenbrock: training loss"
set xlabel "step"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "rosenbrock.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "rosenbrock.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "sgd", \
     "rosenbrock.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "rosenbrock.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "sgd-nesterov", \
     "rosenbrock.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "rosenbrock.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "adagrad", \
     "rosenbrock.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "rosenbrock.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "rmsprop", \
     "rosenbrock.dat" index 4 using 1:3:4 with filledcurves lc rgb "#9467bd" notitle, \
     "rosenbrock.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "adam", \
     "rosenbrock.dat" index 5 using 1:3:4 with filledcurves lc rgb "#8c564b" notitle, \
     "rosenbrock.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "adamw", \
     "rosenbrock.dat" index 6 using 1:3:4 with filledcurves lc rgb "#e377c2" notitle, \
     "rosenbrock.dat" index 6 using 1:2 with lines lw 2 lc rgb "#e377c2" title "shampoo", \
     "rosenbrock.dat" index 7 using 1:3:4 with filledcurves lc rgb "#7f7f7f" notitle, \
     "rosenbrock.dat" index 7 using 1:2 with lines lw 2 lc rgb "#7f7f7f" title "scalable-shampoo", \
     "rosenbrock.dat" index 8 using 1:3:4 with filledcurves lc rgb "#bcbd22" notitle, \
     "rosenbrock.dat" index 8 using 1:2 with lines lw 2 lc rgb "#bcbd22" title "adabelief", \
     "rosenbrock.dat" index 9 using 1:3:4 with filledcurves lc rgb "#17becf" notitle, \
     "rosenbrock.dat" index 9 using 1:2 with lines lw 2 lc rgb "#17becf" title "adamax", \
     "rosenbrock.dat" index 10 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 2 notitle, \
     "rosenbrock.dat" index 10 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 2 title "adan", \
     "rosenbrock.dat" index 11 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 2 notitle, \
     "rosenbrock.dat" index 11 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 2 title "diffgrad", \
     "rosenbrock.dat" index 12 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 2 notitle, \
     "rosenbrock.dat" index 12 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 2 title "optimistic-amsgrad", \
     "rosenbrock.dat" index 13 using 1:3:4 with filledcurves lc rgb "#d62728" dt 2 notitle, \
     "rosenbrock.dat" index 13 using 1:2 with lines lw 2 lc rgb "#d62728" dt 2 title "sgd-sai", \
     "rosenbrock.dat" index 14 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 2 notitle, \
     "rosenbrock.dat" index 14 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 2 title "smb", \
     "rosenbrock.dat" index 15 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 2 notitle, \
     "rosenbrock.dat" index 15 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 2 title "u-dog", \
     "rosenbrock.dat" index 16 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 2 notitle, \
     "rosenbrock.dat" index 16 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 2 title "dog", \
     "rosenbrock.dat" index 17 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 2 notitle, \
     "rosenbrock.dat" index 17 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 2 title "adam8bit", \
     "rosenbrock.dat" index 18 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 2 notitle, \
     "rosenbrock.dat" index 18 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 2 title "adamw8bit", \
     "rosenbrock.dat" index 19 using 1:3:4 with filledcurves lc rgb "#17becf" dt 2 notitle, \
     "rosenbrock.dat" index 19 using 1:2 with lines lw 2 lc rgb "#17becf" dt 2 title "lion8bit", \
     "rosenbrock.dat" index 20 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 3 notitle, \
     "rosenbrock.dat" index 20 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 3 title "apollo", \
     "rosenbrock.dat" index 21 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 3 notitle, \
     "rosenbrock.dat" index 21 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 3 title "apollo-mini", \
     "rosenbrock.dat" index 22 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 3 notitle, \
     "rosenbrock.dat" index 22 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 3 title "coap", \
     "rosenbrock.dat" index 23 using 1:3:4 with filledcurves lc rgb "#d62728" dt 3 notitle, \
     "rosenbrock.dat" index 23 using 1:2 with lines lw 2 lc rgb "#d62728" dt 3 title "dct-adamw", \
     "rosenbrock.dat" index 24 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 3 notitle, \
     "rosenbrock.dat" index 24 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 3 title "fira", \
     "rosenbrock.dat" index 25 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 3 notitle, \
     "rosenbrock.dat" index 25 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 3 title "flora", \
     "rosenbrock.dat" index 26 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 3 notitle, \
     "rosenbrock.dat" index 26 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 3 title "frugal", \
     "rosenbrock.dat" index 27 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 3 notitle, \
     "rosenbrock.dat" index 27 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 3 title "galore-plus", \
     "rosenbrock.dat" index 28 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 3 notitle, \
     "rosenbrock.dat" index 28 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 3 title "gradnormlorp", \
     "rosenbrock.dat" index 29 using 1:3:4 with filledcurves lc rgb "#17becf" dt 3 notitle, \
     "rosenbrock.dat" index 29 using 1:2 with lines lw 2 lc rgb "#17becf" dt 3 title "grass", \
     "rosenbrock.dat" index 30 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 4 notitle, \
     "rosenbrock.dat" index 30 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 4 title "loqt", \
     "rosenbrock.dat" index 31 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 4 notitle, \
     "rosenbrock.dat" index 31 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 4 title "online-subspace-descent", \
     "rosenbrock.dat" index 32 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 4 notitle, \
     "rosenbrock.dat" index 32 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 4 title "adamw-sn", \
     "rosenbrock.dat" index 33 using 1:3:4 with filledcurves lc rgb "#d62728" dt 4 notitle, \
     "rosenbrock.dat" index 33 using 1:2 with lines lw 2 lc rgb "#d62728" dt 4 title "adamw-snsm", \
     "rosenbrock.dat" index 34 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 4 notitle, \
     "rosenbrock.dat" index 34 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 4 title "fsam", \
     "rosenbrock.dat" index 35 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 4 notitle, \
     "rosenbrock.dat" index 35 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 4 title "gam", \
     "rosenbrock.dat" index 36 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 4 notitle, \
     "rosenbrock.dat" index 36 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 4 title "ggpo", \
     "rosenbrock.dat" index 37 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 4 notitle, \
     "rosenbrock.dat" index 37 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 4 title "sam", \
     "rosenbrock.dat" index 38 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 4 notitle, \
     "rosenbrock.dat" index 38 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 4 title "muon", \
     "rosenbrock.dat" index 39 using 1:3:4 with filledcurves lc rgb "#17becf" dt 4 notitle, \
     "rosenbrock.dat" index 39 using 1:2 with lines lw 2 lc rgb "#17becf" dt 4 title "auon", \
     "rosenbrock.dat" index 40 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 5 notitle, \
     "rosenbrock.dat" index 40 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 5 title "drop-muon", \
     "rosenbrock.dat" index 41 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 5 notitle, \
     "rosenbrock.dat" index 41 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 5 title "lanton", \
     "rosenbrock.dat" index 42 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 5 notitle, \
     "rosenbrock.dat" index 42 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 5 title "adagrad-norm", \
     "rosenbrock.dat" index 43 using 1:3:4 with filledcurves lc rgb "#d62728" dt 5 notitle, \
     "rosenbrock.dat" index 43 using 1:2 with lines lw 2 lc rgb "#d62728" dt 5 title "m-fac", \
     "rosenbrock.dat" index 44 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 5 notitle, \
     "rosenbrock.dat" index 44 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 5 title "mkor", \
     "rosenbrock.dat" index 45 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 5 notitle, \
     "rosenbrock.dat" index 45 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 5 title "kfac", \
     "rosenbrock.dat" index 46 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 5 notitle, \
     "rosenbrock.dat" index 46 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 5 title "oasis", \
     "rosenbrock.dat" index 47 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 5 notitle, \
     "rosenbrock.dat" index 47 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 5 title "sophia", \
     "rosenbrock.dat" index 48 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 5 notitle, \
     "rosenbrock.dat" index 48 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 5 title "ingd"
