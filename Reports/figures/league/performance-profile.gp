# Performance profile: gradient evaluations to the target
# Re-plot with `gnuplot performance-profile.gp` in this folder; the data is in performance-profile.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "performance-profile.svg"
set title "Performance profile: gradient evaluations to the target"
set xlabel "τ (times the fewest gradient evaluations any optimizer needed on the task)"
set ylabel "fraction of tasks solved"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
plot "performance-profile.dat" index 0 using 1:2 with steps lw 2 lc rgb "#1f77b4" title "sgd", \
     "performance-profile.dat" index 1 using 1:2 with steps lw 2 lc rgb "#ff7f0e" title "sgd-nesterov", \
     "performance-profile.dat" index 2 using 1:2 with steps lw 2 lc rgb "#2ca02c" title "adagrad", \
     "performance-profile.dat" index 3 using 1:2 with steps lw 2 lc rgb "#d62728" title "rmsprop", \
     "performance-profile.dat" index 4 using 1:2 with steps lw 2 lc rgb "#9467bd" title "adam", \
     "performance-profile.dat" index 5 using 1:2 with steps lw 2 lc rgb "#8c564b" title "adamw", \
     "performance-profile.dat" index 6 using 1:2 with steps lw 2 lc rgb "#e377c2" title "shampoo", \
     "performance-profile.dat" index 7 using 1:2 with steps lw 2 lc rgb "#7f7f7f" title "scalable-shampoo", \
     "performance-profile.dat" index 8 using 1:2 with steps lw 2 lc rgb "#bcbd22" title "adabelief", \
     "performance-profile.dat" index 9 using 1:2 with steps lw 2 lc rgb "#17becf" title "adamax", \
     "performance-profile.dat" index 10 using 1:2 with steps lw 2 lc rgb "#1f77b4" dt 2 title "adan", \
     "performance-profile.dat" index 11 using 1:2 with steps lw 2 lc rgb "#ff7f0e" dt 2 title "diffgrad", \
     "performance-profile.dat" index 12 using 1:2 with steps lw 2 lc rgb "#2ca02c" dt 2 title "optimistic-amsgrad", \
     "performance-profile.dat" index 13 using 1:2 with steps lw 2 lc rgb "#d62728" dt 2 title "sgd-sai", \
     "performance-profile.dat" index 14 using 1:2 with steps lw 2 lc rgb "#9467bd" dt 2 title "smb", \
     "performance-profile.dat" index 15 using 1:2 with steps lw 2 lc rgb "#8c564b" dt 2 title "u-dog", \
     "performance-profile.dat" index 16 using 1:2 with steps lw 2 lc rgb "#e377c2" dt 2 title "dog", \
     "performance-profile.dat" index 17 using 1:2 with steps lw 2 lc rgb "#7f7f7f" dt 2 title "adam8bit", \
     "performance-profile.dat" index 18 using 1:2 with steps lw 2 lc rgb "#bcbd22" dt 2 title "adamw8bit", \
     "performance-profile.dat" index 19 using 1:2 with steps lw 2 lc rgb "#17becf" dt 2 title "lion8bit", \
     "performance-profile.dat" index 20 using 1:2 with steps lw 2 lc rgb "#1f77b4" dt 3 title "apollo", \
     "performance-profile.dat" index 21 using 1:2 with steps lw 2 lc rgb "#ff7f0e" dt 3 title "apollo-mini", \
     "performance-profile.dat" index 22 using 1:2 with steps lw 2 lc rgb "#2ca02c" dt 3 title "coap", \
     "performance-profile.dat" index 23 using 1:2 with steps lw 2 lc rgb "#d62728" dt 3 title "dct-adamw", \
     "performance-profile.dat" index 24 using 1:2 with steps lw 2 lc rgb "#9467bd" dt 3 title "fira", \
     "performance-profile.dat" index 25 using 1:2 with steps lw 2 lc rgb "#8c564b" dt 3 title "flora", \
     "performance-profile.dat" index 26 using 1:2 with steps lw 2 lc rgb "#e377c2" dt 3 title "frugal", \
     "performance-profile.dat" index 27 using 1:2 with steps lw 2 lc rgb "#7f7f7f" dt 3 title "galore-plus", \
     "performance-profile.dat" index 28 using 1:2 with steps lw 2 lc rgb "#bcbd22" dt 3 title "gradnormlorp", \
     "performance-profile.dat" index 29 using 1:2 with steps lw 2 lc rgb "#17becf" dt 3 title "grass", \
     "performance-profile.dat" index 30 using 1:2 with steps lw 2 lc rgb "#1f77b4" dt 4 title "loqt", \
     "performance-profile.dat" index 31 using 1:2 with steps lw 2 lc rgb "#ff7f0e" dt 4 title "online-subspace-descent", \
     "performance-profile.dat" index 32 using 1:2 with steps lw 2 lc rgb "#2ca02c" dt 4 title "adamw-sn", \
     "performance-profile.dat" index 33 using 1:2 with steps lw 2 lc rgb "#d62728" dt 4 title "adamw-snsm", \
     "performance-profile.dat" index 34 using 1:2 with steps lw 2 lc rgb "#9467bd" dt 4 title "fsam", \
     "performance-profile.dat" index 35 using 1:2 with steps lw 2 lc rgb "#8c564b" dt 4 title "gam", \
     "performance-profile.dat" index 36 using 1:2 with steps lw 2 lc rgb "#e377c2" dt 4 title "ggpo", \
     "performance-profile.dat" index 37 using 1:2 with steps lw 2 lc rgb "#7f7f7f" dt 4 title "sam", \
     "performance-profile.dat" index 38 using 1:2 with steps lw 2 lc rgb "#bcbd22" dt 4 title "muon", \
     "performance-profile.dat" index 39 using 1:2 with steps lw 2 lc rgb "#17becf" dt 4 title "auon", \
     "performance-profile.dat" index 40 using 1:2 with steps lw 2 lc rgb "#1f77b4" dt 5 title "drop-muon", \
     "performance-profile.dat" index 41 using 1:2 with steps lw 2 lc rgb "#ff7f0e" dt 5 title "lanton", \
     "performance-profile.dat" index 42 using 1:2 with steps lw 2 lc rgb "#2ca02c" dt 5 title "adagrad-norm", \
     "performance-profile.dat" index 43 using 1:2 with steps lw 2 lc rgb "#d62728" dt 5 title "m-fac", \
     "performance-profile.dat" index 44 using 1:2 with steps lw 2 lc rgb "#9467bd" dt 5 title "mkor", \
     "performance-profile.dat" index 45 using 1:2 with steps lw 2 lc rgb "#8c564b" dt 5 title "kfac", \
     "performance-profile.dat" index 46 using 1:2 with steps lw 2 lc rgb "#e377c2" dt 5 title "oasis", \
     "performance-profile.dat" index 47 using 1:2 with steps lw 2 lc rgb "#7f7f7f" dt 5 title "sophia", \
     "performance-profile.dat" index 48 using 1:2 with steps lw 2 lc rgb "#bcbd22" dt 5 title "ingd"
