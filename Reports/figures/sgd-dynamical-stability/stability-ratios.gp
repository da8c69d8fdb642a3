# Sharpness at the solutions against the stability bounds
# Re-plot with `gnuplot stability-ratios.gp` in this folder; the data is in stability-ratios.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "stability-ratios.svg"
set title "Sharpness at the solutions against the stability bounds"
set xlabel "learning rate η"
set ylabel "η × sharpness / 2"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
set logscale y 10
set format y "%g"
plot "stability-ratios.dat" index 0 using 1:2 with points pt 7 ps 0.8 lc rgb "#1f77b4" title "SGD B = 1: η·tr(H)/2", \
     "stability-ratios.dat" index 1 using 1:2 with points pt 7 ps 0.8 lc rgb "#ff7f0e" title "GD: η·tr(H)/2", \
     "stability-ratios.dat" index 2 using 1:2 with points pt 7 ps 0.8 lc rgb "#2ca02c" title "GD: η·λ_max(H)/2", \
     "stability-ratios.dat" index 3 using 1:2 with points pt 7 ps 0.8 lc rgb "#d62728" title "SGD B = 4: η·tr(H)/2", \
     1.0 with lines dt 2 lw 1.5 lc rgb "black" title "bound: 1"
