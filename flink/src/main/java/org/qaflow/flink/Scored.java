// Scored: the result of the async scoring step for one Attempt (a score, a permanent rejection, or a re-queue).
package org.qaflow.flink;

/** An attempt with its BERTScore, or why it could not be scored; never a made-up score. */
public class Scored {
    /** The scorer gave a score. */
    public static final int SCORED = 0;
    /** The scorer rejected the pair as bad input (HTTP 400): the question fails at stage score. */
    public static final int REJECTED = 1;
    /** The async timeout expired before any scorer answered: the attempt goes back to its topic. */
    public static final int REQUEUE = 2;

    public Attempt attempt;
    public int outcome;
    public double score;
    public String scoredAt;
    public String error;

    public Scored() { }

    public static Scored scored(Attempt a, double score, String scoredAt) {
        Scored s = new Scored();
        s.attempt = a;
        s.outcome = SCORED;
        s.score = score;
        s.scoredAt = scoredAt;
        return s;
    }

    public static Scored rejected(Attempt a, String error) {
        Scored s = new Scored();
        s.attempt = a;
        s.outcome = REJECTED;
        s.error = error;
        return s;
    }

    public static Scored requeue(Attempt a) {
        Scored s = new Scored();
        s.attempt = a;
        s.outcome = REQUEUE;
        return s;
    }
}
