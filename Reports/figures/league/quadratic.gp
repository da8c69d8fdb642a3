# quadratic (κ = 100): training loss
# Re-plot with `gnuplot quadratic.gp` in this folder; the data is in quadratic.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "quadratic.svg"
set title "quadratic (κ = 100): training loss"
set xlabel "step"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "quadratic.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "quadratic.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "sgd", \
     "quadratic.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "quadratic.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "sgd-nesterov", \
     "quadratic.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "quadratic.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "adagrad", \
     "quadratic.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "quadratic.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "rmsprop", \
     "quadratic.dat" index 4 using 1:3:4 with filledcurves lc rgb "#9467bd" notitle, \
     "quadratic.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "adam", \
     "quadratic.dat" index 5 using 1:3:4 with filledcurves lc rgb "#8c564b" notitle, \
     "quadratic.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "adamw", \
     "quadratic.dat" index 6 using 1:3:4 with filledcurves lc rgb "#e377c2" notitle, \
     "quadratic.dat" index 6 using 1:2 with lines lw 2 lc rgb "#e377c2" title "shampoo", \
     "quadratic.dat" index 7 using 1:3:4 with filledcurves lc rgb "#7f7f7f" notitle, \
     "quadratic.dat" index 7 using 1:2 with lines lw 2 lc rgb "#7f7f7f" title "scalable-shampoo", \
     "quadratic.dat" index 8 using 1:3:4 with filledcurves lc rgb "#bcbd22" notitle, \
     "quadratic.dat" index 8 using 1:2 with lines lw 2 lc rgb "#bcbd22" title "adabelief", \
     "quadratic.dat" index 9 using 1:3:4 with filledcurves lc rgb "#17becf" notitle, \
     "quadratic.dat" index 9 using 1:2 with lines lw 2 lc rgb "#17becf" title "adamax", \
     "quadratic.dat" index 10 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 2 notitle, \
     "quadratic.dat" index 10 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 2 title "adan", \
     "quadratic.dat" index 11 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 2 notitle, \
     "quadratic.dat" index 11 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 2 title "diffgrad", \
     "quadratic.dat" index 12 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 2 notitle, \
     "quadratic.dat" index 12 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 2 title "optimistic-amsgrad", \
     "quadratic.dat" index 13 using 1:3:4 with filledcurves lc rgb "#d62728" dt 2 notitle, \
     "quadratic.dat" index 13 using 1:2 with lines lw 2 lc rgb "#d62728" dt 2 title "sgd-sai", \
     "quadratic.dat" index 14 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 2 notitle, \
     "quadratic.dat" index 14 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 2 title "smb", \
     "quadratic.dat" index 15 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 2 notitle, \
     "quadratic.dat" index 15 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 2 title "u-dog", \
     "quadratic.dat" index 16 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 2 notitle, \
     "quadratic.dat" index 16 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 2 title "dog", \
     "quadratic.dat" index 17 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 2 notitle, \
     "quadratic.dat" index 17 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 2 title "adam8bit", \
     "quadratic.dat" index 18 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 2 notitle, \
     "quadratic.dat" index 18 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 2 title "adamw8bit", \
     "quadratic.dat" index 19 using 1:3:4 with filledcurves lc rgb "#17becf" dt 2 notitle, \
     "quadratic.dat" index 19 using 1:2 with lines lw 2 lc rgb "#17becf" dt 2 title "lion8bit", \
     "quadratic.dat" index 20 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 3 notitle, \
     "quadratic.dat" index 20 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 3 title "apollo", \
     "quadratic.dat" index 21 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 3 notitle, \
     "quadratic.dat" index 21 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 3 title "apollo-mini", \
     "quadratic.dat" index 22 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 3 notitle, \
     "quadratic.dat" index 22 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 3 title "coap", \
     "quadratic.dat" index 23 using 1:3:4 with filledcurves lc rgb "#d62728" dt 3 notitle, \
     "quadratic.dat" index 23 using 1:2 with lines lw 2 lc rgb "#d62728" dt 3 title "dct-adamw", \
     "quadratic.dat" index 24 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 3 notitle, \
     "quadratic.dat" index 24 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 3 title "fira", \
     "quadratic.dat" index 25 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 3 notitle, \
     "quadratic.dat" index 25 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 3 title "flora", \
     "quadratic.dat" index 26 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 3 notitle, \
     "quadratic.dat" index 26 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 3 title "frugal", \
     "quadratic.dat" index 27 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 3 notitle, \
     "quadratic.dat" index 27 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 3 title "galore-plus", \
     "quadratic.dat" index 28 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 3 notitle, \
     "quadratic.dat" index 28 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 3 title "gradnormlorp", \
     "quadratic.dat" index 29 using 1:3:4 with filledcurves lc rgb "#17becf" dt 3 notitle, \
     "quadratic.dat" index 29 using 1:2 with lines lw 2 lc rgb "#17becf" dt 3 title "grass", \
     "quadratic.dat" index 30 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 4 notitle, \
     "quadratic.dat" index 30 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 4 title "loqt", \
     "quadratic.dat" index 31 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 4 notitle, \
     "quadratic.dat" index 31 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 4 title "online-subspace-descent", \
     "quadratic.dat" index 32 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 4 notitle, \
     "quadratic.dat" index 32 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 4 title "adamw-sn", \
     "quadratic.dat" index 33 using 1:3:4 with filledcurves lc rgb "#d62728" dt 4 notitle, \
     "quadratic.dat" index 33 using 1:2 with lines lw 2 lc rgb "#d62728" dt 4 title "adamw-snsm", \
     "quadratic.dat" index 34 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 4 notitle, \
     "quadratic.dat" index 34 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 4 title "fsam", \
     "quadratic.dat" index 35 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 4 notitle, \
     "quadratic.dat" index 35 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 4 title "gam", \
     "quadratic.dat" index 36 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 4 notitle, \
     "quadratic.dat" index 36 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 4 title "ggpo", \
     "quadratic.dat" index 37 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 4 notitle, \
     "quadratic.dat" index 37 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 4 title "sam", \
     "quadratic.dat" index 38 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 4 notitle, \
     "quadratic.dat" index 38 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 4 title "muon", \
     "quadratic.dat" index 39 using 1:3:4 with filledcurves lc rgb "#17becf" dt 4 notitle, \
     "quadratic.dat" index 39 using 1:2 with lines lw 2 lc rgb "#17becf" dt 4 title "auon", \
     "quadratic.dat" index 40 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 5 notitle, \
     "quadratic.dat" index 40 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 5 title "drop-muon", \
     "quadratic.dat" index 41 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 5 notitle, \
     "quadratic.dat" index 41 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 5 title "lanton", \
     "quadratic.dat" index 42 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 5 notitle, \
     "quadratic.dat" index 42 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 5 title "adagrad-norm", \
     "quadratic.dat" index 43 using 1:3:4 with filledcurves lc rgb "#d62728" dt 5 notitle, \
     "quadratic.dat" index 43 using 1:2 with lines lw 2 lc rgb "#d62728" dt 5 title "m-fac", \
     "quadratic.dat" index 44 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 5 notitle, \
     "quadratic.dat" index 44 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 5 title "mkor", \
     "quadratic.dat" index 45 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 5 notitle, \
     "quadratic.dat" index 45 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 5 title "kfac", \
     "quadratic.dat" index 46 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 5 notitle, \
     "quadratic.dat" index 46 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 5 title "oasis", \
     "quadratic.dat" index 47 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 5 notitle, \
     "quadratic.dat" index 47 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 5 title "sophia", \
     "quadratic.dat" index 48 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 5 notitle, \
     "quadratic.dat" index 48 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 5 title "ingd"
