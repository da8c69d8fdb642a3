import Foundation
import XCTest
@testable import Harness

final class LeagueTests: XCTestCase {
    func standing(_ name: String, _ values: [Double], steps: Double = 10) -> LeagueStanding {
        LeagueStanding(optimizer: name, chosen: "lr=1", judged: Summary(values), testAccuracy: nil, stepsToTarget: steps,
                       gradientEvaluationsToTarget: steps, stateBytes: 0, diverged: 0, evaluations: values.count)
    }

    /// Ranks count the optimizers whose whole interval lies below: overlapping intervals tie.
    func testRanksTieWhereIntervalsOverlap() {
        let ranked = League.rank([
            standing("a", [1.0, 1.1, 0.9]),        // [~0.75, ~1.25]
            standing("b", [1.2, 1.3, 1.1]),        // overlaps a
            standing("c", [5.0, 5.1, 4.9]),        // above both
            standing("d", [.nan, .nan]),            // nothing finite: last
        ])
        XCTAssertEqual(ranked.map(\.rank), [1, 1, 3, 4])
        // One seed: the point is the interval.
        XCTAssertEqual(League.rank([standing("x", [1]), standing("y", [2])]).map(\.rank), [1, 2])
    }

    /// ρ(τ): the share of tasks solved within τ × the best cost; unreached never counts.
    func testPerformanceProfile() {
        let costs: [[Double]] = [[10, 20, .infinity], [40, 20, 30], [.infinity, .infinity, .infinity]]
        let rho = League.profile(costs, taus: [1, 1.5, 2, 4])
        XCTAssertEqual(rho[0], [1.0 / 3, 1.0 / 3, 2.0 / 3, 2.0 / 3])
        XCTAssertEqual(rho[1], [1.0 / 3, 1.0 / 3, 2.0 / 3, 2.0 / 3])
        XCTAssertEqual(rho[2], [0, 1.0 / 3, 1.0 / 3, 1.0 / 3])
    }

    /// Steps to target: the first recorded step at or below the target, the median over seeds,
    /// unreached when at least half never got there; gradient evaluations scale by the count per step.
    func testStepsToTargetIsTheMedianFirstCrossing() {
        func run(_ losses: [Double], evaluations: Int) -> RunRecord {
            var r = RunRecord(losses: losses, steps: [0, 10, 20, 30])
            r.cost = Cost(gradientEvaluations: evaluations, functionEvaluations: 0, matmulFlops: 0)
            return r
        }
        func arm(_ runs: [RunRecord]) -> ArmResult {
            ArmResult(arm: "a", sweep: [], chosenIndex: 0, chosen: Hyperparameters(["lr": 1]), selectionFailed: false, evaluation: runs)
        }
        let three = League.standing(arm([run([5, 2, 0.5, 0.1], evaluations: 60), run([5, 0.9, 0.5, 0.1], evaluations: 60),
                                         run([5, 3, 2, 1.5], evaluations: 60)]), judged: "test loss", target: 1)
        XCTAssertEqual(three.stepsToTarget, 20)            // crossings 20, 10, never → median 20
        XCTAssertEqual(three.gradientEvaluationsToTarget, 40)  // two evaluations per step (SAM-like)
        let unreached = League.standing(arm([run([5, 3, 2, 1.5], evaluations: 30), run([5, 0.5, 0.5, 0.5], evaluations: 30)]),
                                        judged: "test loss", target: 1)
        XCTAssertEqual(unreached.stepsToTarget, .infinity)  // (10 + ∞) / 2
    }

    /// A tiny league is deterministic and independent of the number of jobs, and records every
    /// measured quantity for the ledger.
    func testTinyLeagueIsDeterministicAcrossJobs() throws {
        let entries = LeagueRegistry.baselines.filter { ["sgd", "adam"].contains($0.name) }
        let tasks = LeagueRegistry.tasks.filter { ["quadratic", "rosenbrock"].contains($0.key) }
        let context = RunContext(scale: .quick, slug: "league")
        let one = try League(entries: entries, tasks: tasks, jobs: 1).run(context)
        let twoContext = RunContext(scale: .quick, slug: "league")
        let two = try League(entries: entries, tasks: tasks, jobs: 2).run(twoContext)
        XCTAssertEqual(one.evidence.metrics, two.evidence.metrics)
        // The ledger's tuning list is in task order, then entry order, whichever task finished first.
        XCTAssertEqual(context.log.tuning, twoContext.log.tuning)
        XCTAssertEqual(twoContext.log.tuning.map { "\($0.claim) \($0.arm)" },
                       ["quadratic sgd", "quadratic adam", "rosenbrock sgd", "rosenbrock adam"])
        for task in ["quadratic", "rosenbrock"] {
            for optimizer in ["sgd", "adam"] {
                for metric in ["log final training loss.mean", "rank", "steps_to_target", "gradient_evaluations_to_target", "state_bytes"] {
                    XCTAssertFalse(one.evidence["\(task).\(optimizer).\(metric)"].isNaN, "\(task).\(optimizer).\(metric)")
                }
            }
        }
        // Adam keeps two slots per parameter entry, SGD none; the quadratic has 50 entries.
        XCTAssertEqual(one.evidence["quadratic.adam.state_bytes"], 400)
        XCTAssertEqual(one.evidence["quadratic.sgd.state_bytes"], 0)
        XCTAssertEqual(one.results.flatMap(\.figures).map(\.name), ["performance-profile", "quadratic", "rosenbrock"])
    }
}
