# softmax regression (digits): training loss
# Re-plot with `gnuplot softmax_digits.gp` in this folder; the data is in softmax_digits.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "softmax_digits.svg"
set title "softmax regression (digits): training loss"
set xlabel "step"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "softmax_digits.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "softmax_digits.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "sgd", \
     "softmax_digits.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "softmax_digits.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "sgd-nesterov", \
     "softmax_digits.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "softmax_digits.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "adagrad", \
     "softmax_digits.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "softmax_digits.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "rmsprop", \
     "softmax_digits.dat" index 4 using 1:3:4 with filledcurves lc rgb "#9467bd" notitle, \
     "softmax_digits.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "adam", \
     "softmax_digits.dat" index 5 using 1:3:4 with filledcurves lc rgb "#8c564b" notitle, \
     "softmax_digits.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "adamw", \
     "softmax_digits.dat" index 6 using 1:3:4 with filledcurves lc rgb "#e377c2" notitle, \
     "softmax_digits.dat" index 6 using 1:2 with lines lw 2 lc rgb "#e377c2" title "shampoo", \
     "softmax_digits.dat" index 7 using 1:3:4 with filledcurves lc rgb "#7f7f7f" notitle, \
     "softmax_digits.dat" index 7 using 1:2 with lines lw 2 lc rgb "#7f7f7f" title "scalable-shampoo", \
     "softmax_digits.dat" index 8 using 1:3:4 with filledcurves lc rgb "#bcbd22" notitle, \
     "softmax_digits.dat" index 8 using 1:2 with lines lw 2 lc rgb "#bcbd22" title "adabelief", \
     "softmax_digits.dat" index 9 using 1:3:4 with filledcurves lc rgb "#17becf" notitle, \
     "softmax_digits.dat" index 9 using 1:2 with lines lw 2 lc rgb "#17becf" title "adamax", \
     "softmax_digits.dat" index 10 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 2 notitle, \
     "softmax_digits.dat" index 10 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 2 title "adan", \
     "softmax_digits.dat" index 11 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 2 notitle, \
     "softmax_digits.dat" index 11 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 2 title "diffgrad", \
     "softmax_digits.dat" index 12 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 2 notitle, \
     "softmax_digits.dat" index 12 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 2 title "optimistic-amsgrad", \
     "softmax_digits.dat" index 13 using 1:3:4 with filledcurves lc rgb "#d62728" dt 2 notitle, \
     "softmax_digits.dat" index 13 using 1:2 with lines lw 2 lc rgb "#d62728" dt 2 title "sgd-sai", \
     "softmax_digits.dat" index 14 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 2 notitle, \
     "softmax_digits.dat" index 14 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 2 title "smb", \
     "softmax_digits.dat" index 15 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 2 notitle, \
     "softmax_digits.dat" index 15 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 2 title "u-dog", \
     "softmax_digits.dat" index 16 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 2 notitle, \
     "softmax_digits.dat" index 16 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 2 title "dog", \
     "softmax_digits.dat" index 17 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 2 notitle, \
     "softmax_digits.dat" index 17 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 2 title "adam8bit", \
     "softmax_digits.dat" index 18 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 2 notitle, \
     "softmax_digits.dat" index 18 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 2 title "adamw8bit", \
     "softmax_digits.dat" index 19 using 1:3:4 with filledcurves lc rgb "#17becf" dt 2 notitle, \
     "softmax_digits.dat" index 19 using 1:2 with lines lw 2 lc rgb "#17becf" dt 2 title "lion8bit", \
     "softmax_digits.dat" index 20 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 3 notitle, \
     "softmax_digits.dat" index 20 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 3 title "apollo", \
     "softmax_digits.dat" index 21 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 3 notitle, \
     "softmax_digits.dat" index 21 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 3 title "apollo-mini", \
     "softmax_digits.dat" index 22 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 3 notitle, \
     "softmax_digits.dat" index 22 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 3 title "coap", \
     "softmax_digits.dat" index 23 using 1:3:4 with filledcurves lc rgb "#d62728" dt 3 notitle, \
     "softmax_digits.dat" index 23 using 1:2 with lines lw 2 lc rgb "#d62728" dt 3 title "dct-adamw", \
     "softmax_digits.dat" index 24 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 3 notitle, \
     "softmax_digits.dat" index 24 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 3 title "fira", \
     "softmax_digits.dat" index 25 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 3 notitle, \
     "softmax_digits.dat" index 25 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 3 title "flora", \
     "softmax_digits.dat" index 26 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 3 notitle, \
     "softmax_digits.dat" index 26 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 3 title "frugal", \
     "softmax_digits.dat" index 27 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 3 notitle, \
     "softmax_digits.dat" index 27 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 3 title "galore-plus", \
     "softmax_digits.dat" index 28 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 3 notitle, \
     "softmax_digits.dat" index 28 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 3 title "gradnormlorp", \
     "softmax_digits.dat" index 29 using 1:3:4 with filledcurves lc rgb "#17becf" dt 3 notitle, \
     "softmax_digits.dat" index 29 using 1:2 with lines lw 2 lc rgb "#17becf" dt 3 title "grass", \
     "softmax_digits.dat" index 30 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 4 notitle, \
     "softmax_digits.dat" index 30 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 4 title "loqt", \
     "softmax_digits.dat" index 31 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 4 notitle, \
     "softmax_digits.dat" index 31 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 4 title "online-subspace-descent", \
     "softmax_digits.dat" index 32 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 4 notitle, \
     "softmax_digits.dat" index 32 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 4 title "adamw-sn", \
     "softmax_digits.dat" index 33 using 1:3:4 with filledcurves lc rgb "#d62728" dt 4 notitle, \
     "softmax_digits.dat" index 33 using 1:2 with lines lw 2 lc rgb "#d62728" dt 4 title "adamw-snsm", \
     "softmax_digits.dat" index 34 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 4 notitle, \
     "softmax_digits.dat" index 34 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 4 title "fsam", \
     "softmax_digits.dat" index 35 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 4 notitle, \
     "softmax_digits.dat" index 35 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 4 title "gam", \
     "softmax_digits.dat" index 36 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 4 notitle, \
     "softmax_digits.dat" index 36 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 4 title "ggpo", \
     "softmax_digits.dat" index 37 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 4 notitle, \
     "softmax_digits.dat" index 37 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 4 title "sam", \
     "softmax_digits.dat" index 38 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 4 notitle, \
     "softmax_digits.dat" index 38 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 4 title "muon", \
     "softmax_digits.dat" index 39 using 1:3:4 with filledcurves lc rgb "#17becf" dt 4 notitle, \
     "softmax_digits.dat" index 39 using 1:2 with lines lw 2 lc rgb "#17becf" dt 4 title "auon", \
     "softmax_digits.dat" index 40 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 5 notitle, \
     "softmax_digits.dat" index 40 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 5 title "drop-muon", \
     "softmax_digits.dat" index 41 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 5 notitle, \
     "softmax_digits.dat" index 41 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 5 title "lanton", \
     "softmax_digits.dat" index 42 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 5 notitle, \
     "softmax_digits.dat" index 42 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 5 title "adagrad-norm", \
     "softmax_digits.dat" index 43 using 1:3:4 with filledcurves lc rgb "#d62728" dt 5 notitle, \
     "softmax_digits.dat" index 43 using 1:2 with lines lw 2 lc rgb "#d62728" dt 5 title "m-fac", \
     "softmax_digits.dat" index 44 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 5 notitle, \
     "softmax_digits.dat" index 44 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 5 title "mkor", \
     "softmax_digits.dat" index 45 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 5 notitle, \
     "softmax_digits.dat" index 45 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 5 title "kfac", \
     "softmax_digits.dat" index 46 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 5 notitle, \
     "softmax_digits.dat" index 46 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 5 title "oasis", \
     "softmax_digits.dat" index 47 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 5 notitle, \
     "softmax_digits.dat" index 47 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 5 title "sophia", \
     "softmax_digits.dat" index 48 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 5 notitle, \
     "softmax_digits.dat" index 48 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 5 title "ingd"
