# MLP (MNIST-1D): training loss
# Re-plot with `gnuplot mlp_mnist1d.gp` in this folder; the data is in mlp_mnist1d.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "mlp_mnist1d.svg"
set title "MLP (MNIST-1D): training loss"
set xlabel "step"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "mlp_mnist1d.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "mlp_mnist1d.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "sgd", \
     "mlp_mnist1d.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "mlp_mnist1d.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "sgd-nesterov", \
     "mlp_mnist1d.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "mlp_mnist1d.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "adagrad", \
     "mlp_mnist1d.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "mlp_mnist1d.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "rmsprop", \
     "mlp_mnist1d.dat" index 4 using 1:3:4 with filledcurves lc rgb "#9467bd" notitle, \
     "mlp_mnist1d.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "adam", \
     "mlp_mnist1d.dat" index 5 using 1:3:4 with filledcurves lc rgb "#8c564b" notitle, \
     "mlp_mnist1d.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "adamw", \
     "mlp_mnist1d.dat" index 6 using 1:3:4 with filledcurves lc rgb "#e377c2" notitle, \
     "mlp_mnist1d.dat" index 6 using 1:2 with lines lw 2 lc rgb "#e377c2" title "shampoo", \
     "mlp_mnist1d.dat" index 7 using 1:3:4 with filledcurves lc rgb "#7f7f7f" notitle, \
     "mlp_mnist1d.dat" index 7 using 1:2 with lines lw 2 lc rgb "#7f7f7f" title "scalable-shampoo", \
     "mlp_mnist1d.dat" index 8 using 1:3:4 with filledcurves lc rgb "#bcbd22" notitle, \
     "mlp_mnist1d.dat" index 8 using 1:2 with lines lw 2 lc rgb "#bcbd22" title "adabelief", \
     "mlp_mnist1d.dat" index 9 using 1:3:4 with filledcurves lc rgb "#17becf" notitle, \
     "mlp_mnist1d.dat" index 9 using 1:2 with lines lw 2 lc rgb "#17becf" title "adamax", \
     "mlp_mnist1d.dat" index 10 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 2 notitle, \
     "mlp_mnist1d.dat" index 10 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 2 title "adan", \
     "mlp_mnist1d.dat" index 11 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 2 notitle, \
     "mlp_mnist1d.dat" index 11 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 2 title "diffgrad", \
     "mlp_mnist1d.dat" index 12 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 2 notitle, \
     "mlp_mnist1d.dat" index 12 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 2 title "optimistic-amsgrad", \
     "mlp_mnist1d.dat" index 13 using 1:3:4 with filledcurves lc rgb "#d62728" dt 2 notitle, \
     "mlp_mnist1d.dat" index 13 using 1:2 with lines lw 2 lc rgb "#d62728" dt 2 title "sgd-sai", \
     "mlp_mnist1d.dat" index 14 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 2 notitle, \
     "mlp_mnist1d.dat" index 14 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 2 title "smb", \
     "mlp_mnist1d.dat" index 15 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 2 notitle, \
     "mlp_mnist1d.dat" index 15 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 2 title "u-dog", \
     "mlp_mnist1d.dat" index 16 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 2 notitle, \
     "mlp_mnist1d.dat" index 16 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 2 title "dog", \
     "mlp_mnist1d.dat" index 17 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 2 notitle, \
     "mlp_mnist1d.dat" index 17 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 2 title "adam8bit", \
     "mlp_mnist1d.dat" index 18 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 2 notitle, \
     "mlp_mnist1d.dat" index 18 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 2 title "adamw8bit", \
     "mlp_mnist1d.dat" index 19 using 1:3:4 with filledcurves lc rgb "#17becf" dt 2 notitle, \
     "mlp_mnist1d.dat" index 19 using 1:2 with lines lw 2 lc rgb "#17becf" dt 2 title "lion8bit", \
     "mlp_mnist1d.dat" index 20 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 3 notitle, \
     "mlp_mnist1d.dat" index 20 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 3 title "apollo", \
     "mlp_mnist1d.dat" index 21 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 3 notitle, \
     "mlp_mnist1d.dat" index 21 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 3 title "apollo-mini", \
     "mlp_mnist1d.dat" index 22 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 3 notitle, \
     "mlp_mnist1d.dat" index 22 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 3 title "coap", \
     "mlp_mnist1d.dat" index 23 using 1:3:4 with filledcurves lc rgb "#d62728" dt 3 notitle, \
     "mlp_mnist1d.dat" index 23 using 1:2 with lines lw 2 lc rgb "#d62728" dt 3 title "dct-adamw", \
     "mlp_mnist1d.dat" index 24 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 3 notitle, \
     "mlp_mnist1d.dat" index 24 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 3 title "fira", \
     "mlp_mnist1d.dat" index 25 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 3 notitle, \
     "mlp_mnist1d.dat" index 25 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 3 title "flora", \
     "mlp_mnist1d.dat" index 26 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 3 notitle, \
     "mlp_mnist1d.dat" index 26 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 3 title "frugal", \
     "mlp_mnist1d.dat" index 27 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 3 notitle, \
     "mlp_mnist1d.dat" index 27 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 3 title "galore-plus", \
     "mlp_mnist1d.dat" index 28 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 3 notitle, \
     "mlp_mnist1d.dat" index 28 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 3 title "gradnormlorp", \
     "mlp_mnist1d.dat" index 29 using 1:3:4 with filledcurves lc rgb "#17becf" dt 3 notitle, \
     "mlp_mnist1d.dat" index 29 using 1:2 with lines lw 2 lc rgb "#17becf" dt 3 title "grass", \
     "mlp_mnist1d.dat" index 30 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 4 notitle, \
     "mlp_mnist1d.dat" index 30 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 4 title "loqt", \
     "mlp_mnist1d.dat" index 31 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 4 notitle, \
     "mlp_mnist1d.dat" index 31 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 4 title "online-subspace-descent", \
     "mlp_mnist1d.dat" index 32 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 4 notitle, \
     "mlp_mnist1d.dat" index 32 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 4 title "adamw-sn", \
     "mlp_mnist1d.dat" index 33 using 1:3:4 with filledcurves lc rgb "#d62728" dt 4 notitle, \
     "mlp_mnist1d.dat" index 33 using 1:2 with lines lw 2 lc rgb "#d62728" dt 4 title "adamw-snsm", \
     "mlp_mnist1d.dat" index 34 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 4 notitle, \
     "mlp_mnist1d.dat" index 34 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 4 title "fsam", \
     "mlp_mnist1d.dat" index 35 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 4 notitle, \
     "mlp_mnist1d.dat" index 35 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 4 title "gam", \
     "mlp_mnist1d.dat" index 36 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 4 notitle, \
     "mlp_mnist1d.dat" index 36 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 4 title "ggpo", \
     "mlp_mnist1d.dat" index 37 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 4 notitle, \
     "mlp_mnist1d.dat" index 37 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 4 title "sam", \
     "mlp_mnist1d.dat" index 38 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 4 notitle, \
     "mlp_mnist1d.dat" index 38 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 4 title "muon", \
     "mlp_mnist1d.dat" index 39 using 1:3:4 with filledcurves lc rgb "#17becf" dt 4 notitle, \
     "mlp_mnist1d.dat" index 39 using 1:2 with lines lw 2 lc rgb "#17becf" dt 4 title "auon", \
     "mlp_mnist1d.dat" index 40 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 5 notitle, \
     "mlp_mnist1d.dat" index 40 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 5 title "drop-muon", \
     "mlp_mnist1d.dat" index 41 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 5 notitle, \
     "mlp_mnist1d.dat" index 41 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 5 title "lanton", \
     "mlp_mnist1d.dat" index 42 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 5 notitle, \
     "mlp_mnist1d.dat" index 42 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 5 title "adagrad-norm", \
     "mlp_mnist1d.dat" index 43 using 1:3:4 with filledcurves lc rgb "#d62728" dt 5 notitle, \
     "mlp_mnist1d.dat" index 43 using 1:2 with lines lw 2 lc rgb "#d62728" dt 5 title "m-fac", \
     "mlp_mnist1d.dat" index 44 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 5 notitle, \
     "mlp_mnist1d.dat" index 44 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 5 title "mkor", \
     "mlp_mnist1d.dat" index 45 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 5 notitle, \
     "mlp_mnist1d.dat" index 45 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 5 title "kfac", \
     "mlp_mnist1d.dat" index 46 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 5 notitle, \
     "mlp_mnist1d.dat" index 46 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 5 title "oasis", \
     "mlp_mnist1d.dat" index 47 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 5 notitle, \
     "mlp_mnist1d.dat" index 47 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 5 title "sophia", \
     "mlp_mnist1d.dat" index 48 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 5 notitle, \
     "mlp_mnist1d.dat" index 48 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 5 title "ingd"
