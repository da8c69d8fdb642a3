# Exact stability edges at GD's minima
# Re-plot with `gnuplot sgd-edge.gp` in this folder; the data is in sgd-edge.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "sgd-edge.svg"
set title "Exact stability edges at GD's minima"
set xlabel "η the minimum was found at"
set ylabel "edge × tr(H) / 2"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
set logscale y 10
set format y "%g"
plot "sgd-edge.dat" index 0 using 1:2 with points pt 7 ps 0.8 lc rgb "#1f77b4" title "SGD edge η*·tr(H)/2 (theorem: ≤ 1)", \
     "sgd-edge.dat" index 1 using 1:2 with points pt 7 ps 0.8 lc rgb "#ff7f0e" title "GD edge (2/λ_max)·tr(H)/2", \
     1.0 with lines dt 2 lw 1.5 lc rgb "black" title "2/tr(H)"
