# transformer (Markov): training loss
# Re-plot with `gnuplot transformer_markov.gp` in this folder; the data is in transformer_markov.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "transformer_markov.svg"
set title "transformer (Markov): training loss"
set xlabel "step"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "transformer_markov.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "transformer_markov.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "sgd", \
     "transformer_markov.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "transformer_markov.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "sgd-nesterov", \
     "transformer_markov.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "transformer_markov.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "adagrad", \
     "transformer_markov.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "transformer_markov.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "rmsprop", \
     "transformer_markov.dat" index 4 using 1:3:4 with filledcurves lc rgb "#9467bd" notitle, \
     "transformer_markov.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "adam", \
     "transformer_markov.dat" index 5 using 1:3:4 with filledcurves lc rgb "#8c564b" notitle, \
     "transformer_markov.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "adamw", \
     "transformer_markov.dat" index 6 using 1:3:4 with filledcurves lc rgb "#e377c2" notitle, \
     "transformer_markov.dat" index 6 using 1:2 with lines lw 2 lc rgb "#e377c2" title "shampoo", \
     "transformer_markov.dat" index 7 using 1:3:4 with filledcurves lc rgb "#7f7f7f" notitle, \
     "transformer_markov.dat" index 7 using 1:2 with lines lw 2 lc rgb "#7f7f7f" title "scalable-shampoo", \
     "transformer_markov.dat" index 8 using 1:3:4 with filledcurves lc rgb "#bcbd22" notitle, \
     "transformer_markov.dat" index 8 using 1:2 with lines lw 2 lc rgb "#bcbd22" title "adabelief", \
     "transformer_markov.dat" index 9 using 1:3:4 with filledcurves lc rgb "#17becf" notitle, \
     "transformer_markov.dat" index 9 using 1:2 with lines lw 2 lc rgb "#17becf" title "adamax", \
     "transformer_markov.dat" index 10 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 2 notitle, \
     "transformer_markov.dat" index 10 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 2 title "adan", \
     "transformer_markov.dat" index 11 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 2 notitle, \
     "transformer_markov.dat" index 11 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 2 title "diffgrad", \
     "transformer_markov.dat" index 12 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 2 notitle, \
     "transformer_markov.dat" index 12 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 2 title "optimistic-amsgrad", \
     "transformer_markov.dat" index 13 using 1:3:4 with filledcurves lc rgb "#d62728" dt 2 notitle, \
     "transformer_markov.dat" index 13 using 1:2 with lines lw 2 lc rgb "#d62728" dt 2 title "sgd-sai", \
     "transformer_markov.dat" index 14 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 2 notitle, \
     "transformer_markov.dat" index 14 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 2 title "smb", \
     "transformer_markov.dat" index 15 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 2 notitle, \
     "transformer_markov.dat" index 15 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 2 title "u-dog", \
     "transformer_markov.dat" index 16 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 2 notitle, \
     "transformer_markov.dat" index 16 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 2 title "dog", \
     "transformer_markov.dat" index 17 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 2 notitle, \
     "transformer_markov.dat" index 17 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 2 title "adam8bit", \
     "transformer_markov.dat" index 18 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 2 notitle, \
     "transformer_markov.dat" index 18 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 2 title "adamw8bit", \
     "transformer_markov.dat" index 19 using 1:3:4 with filledcurves lc rgb "#17becf" dt 2 notitle, \
     "transformer_markov.dat" index 19 using 1:2 with lines lw 2 lc rgb "#17becf" dt 2 title "lion8bit", \
     "transformer_markov.dat" index 20 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 3 notitle, \
     "transformer_markov.dat" index 20 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 3 title "apollo", \
     "transformer_markov.dat" index 21 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 3 notitle, \
     "transformer_markov.dat" index 21 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 3 title "apollo-mini", \
     "transformer_markov.dat" index 22 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 3 notitle, \
     "transformer_markov.dat" index 22 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 3 title "coap", \
     "transformer_markov.dat" index 23 using 1:3:4 with filledcurves lc rgb "#d62728" dt 3 notitle, \
     "transformer_markov.dat" index 23 using 1:2 with lines lw 2 lc rgb "#d62728" dt 3 title "dct-adamw", \
     "transformer_markov.dat" index 24 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 3 notitle, \
     "transformer_markov.dat" index 24 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 3 title "fira", \
     "transformer_markov.dat" index 25 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 3 notitle, \
     "transformer_markov.dat" index 25 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 3 title "flora", \
     "transformer_markov.dat" index 26 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 3 notitle, \
     "transformer_markov.dat" index 26 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 3 title "frugal", \
     "transformer_markov.dat" index 27 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 3 notitle, \
     "transformer_markov.dat" index 27 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 3 title "galore-plus", \
     "transformer_markov.dat" index 28 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 3 notitle, \
     "transformer_markov.dat" index 28 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 3 title "gradnormlorp", \
     "transformer_markov.dat" index 29 using 1:3:4 with filledcurves lc rgb "#17becf" dt 3 notitle, \
     "transformer_markov.dat" index 29 using 1:2 with lines lw 2 lc rgb "#17becf" dt 3 title "grass", \
     "transformer_markov.dat" index 30 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 4 notitle, \
     "transformer_markov.dat" index 30 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 4 title "loqt", \
     "transformer_markov.dat" index 31 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 4 notitle, \
     "transformer_markov.dat" index 31 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 4 title "online-subspace-descent", \
     "transformer_markov.dat" index 32 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 4 notitle, \
     "transformer_markov.dat" index 32 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 4 title "adamw-sn", \
     "transformer_markov.dat" index 33 using 1:3:4 with filledcurves lc rgb "#d62728" dt 4 notitle, \
     "transformer_markov.dat" index 33 using 1:2 with lines lw 2 lc rgb "#d62728" dt 4 title "adamw-snsm", \
     "transformer_markov.dat" index 34 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 4 notitle, \
     "transformer_markov.dat" index 34 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 4 title "fsam", \
     "transformer_markov.dat" index 35 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 4 notitle, \
     "transformer_markov.dat" index 35 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 4 title "gam", \
     "transformer_markov.dat" index 36 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 4 notitle, \
     "transformer_markov.dat" index 36 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 4 title "ggpo", \
     "transformer_markov.dat" index 37 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 4 notitle, \
     "transformer_markov.dat" index 37 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 4 title "sam", \
     "transformer_markov.dat" index 38 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 4 notitle, \
     "transformer_markov.dat" index 38 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 4 title "muon", \
     "transformer_markov.dat" index 39 using 1:3:4 with filledcurves lc rgb "#17becf" dt 4 notitle, \
     "transformer_markov.dat" index 39 using 1:2 with lines lw 2 lc rgb "#17becf" dt 4 title "auon", \
     "transformer_markov.dat" index 40 using 1:3:4 with filledcurves lc rgb "#1f77b4" dt 5 notitle, \
     "transformer_markov.dat" index 40 using 1:2 with lines lw 2 lc rgb "#1f77b4" dt 5 title "drop-muon", \
     "transformer_markov.dat" index 41 using 1:3:4 with filledcurves lc rgb "#ff7f0e" dt 5 notitle, \
     "transformer_markov.dat" index 41 using 1:2 with lines lw 2 lc rgb "#ff7f0e" dt 5 title "lanton", \
     "transformer_markov.dat" index 42 using 1:3:4 with filledcurves lc rgb "#2ca02c" dt 5 notitle, \
     "transformer_markov.dat" index 42 using 1:2 with lines lw 2 lc rgb "#2ca02c" dt 5 title "adagrad-norm", \
     "transformer_markov.dat" index 43 using 1:3:4 with filledcurves lc rgb "#d62728" dt 5 notitle, \
     "transformer_markov.dat" index 43 using 1:2 with lines lw 2 lc rgb "#d62728" dt 5 title "m-fac", \
     "transformer_markov.dat" index 44 using 1:3:4 with filledcurves lc rgb "#9467bd" dt 5 notitle, \
     "transformer_markov.dat" index 44 using 1:2 with lines lw 2 lc rgb "#9467bd" dt 5 title "mkor", \
     "transformer_markov.dat" index 45 using 1:3:4 with filledcurves lc rgb "#8c564b" dt 5 notitle, \
     "transformer_markov.dat" index 45 using 1:2 with lines lw 2 lc rgb "#8c564b" dt 5 title "kfac", \
     "transformer_markov.dat" index 46 using 1:3:4 with filledcurves lc rgb "#e377c2" dt 5 notitle, \
     "transformer_markov.dat" index 46 using 1:2 with lines lw 2 lc rgb "#e377c2" dt 5 title "oasis", \
     "transformer_markov.dat" index 47 using 1:3:4 with filledcurves lc rgb "#7f7f7f" dt 5 notitle, \
     "transformer_markov.dat" index 47 using 1:2 with lines lw 2 lc rgb "#7f7f7f" dt 5 title "sophia", \
     "transformer_markov.dat" index 48 using 1:3:4 with filledcurves lc rgb "#bcbd22" dt 5 notitle, \
     "transformer_markov.dat" index 48 using 1:2 with lines lw 2 lc rgb "#bcbd22" dt 5 title "ingd"
