# λ_max along training, instance 11
# Re-plot with `gnuplot trajectories.gp` in this folder; the data is in trajectories.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "trajectories.svg"
set title "λ_max along training, instance 11"
set xlabel "step"
set ylabel "λ_max"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "trajectories.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "GD η = 0.8", \
     "trajectories.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "2/η = 2.5", \
     "trajectories.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "GD η = 1", \
     "trajectories.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "2/η = 2", \
     "trajectories.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "USAM η = 0.5, ρ = 0.5", \
     "trajectories.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "USAM edge 2", \
     "trajectories.dat" index 6 using 1:2 with lines lw 2 lc rgb "#e377c2" title "USAM η = 0.5, ρ = 0.25", \
     "trajectories.dat" index 7 using 1:2 with lines lw 2 lc rgb "#7f7f7f" title "USAM edge 2.47", \
     "trajectories.dat" index 8 using 1:2 with lines lw 2 lc rgb "#bcbd22" title "gradient-flow end point"
