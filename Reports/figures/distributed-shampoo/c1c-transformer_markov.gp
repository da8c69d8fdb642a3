# transformer (Markov): recompute interval
# Re-plot with `gnuplot c1c-transformer_markov.gp` in this folder; the data is in c1c-transformer_markov.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c1c-transformer_markov.svg"
set title "transformer (Markov): recompute interval"
set xlabel "step"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "c1c-transformer_markov.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "c1c-transformer_markov.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "Shampoo k=1", \
     "c1c-transformer_markov.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "c1c-transformer_markov.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "Shampoo", \
     "c1c-transformer_markov.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "c1c-transformer_markov.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "Shampoo k=100", \
     "c1c-transformer_markov.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "c1c-transformer_markov.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "Adam"
