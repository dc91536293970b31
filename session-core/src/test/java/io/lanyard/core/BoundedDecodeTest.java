package io.lanyard.core;

import com.esotericsoftware.kryo.KryoException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The pieces that bound a decode, one by one. */
class BoundedDecodeTest {

    @Test
    void logOnceRemembersAtMostAThousandKeys() {
        LogOnce once = new LogOnce();
        for (int i = 0; i < LogOnce.CAPACITY; i++) {
            assertTrue(once.first("key-" + i + "x".repeat(10_000)));
        }
        assertFalse(once.first("key-0" + "x".repeat(10_000)), "seen");
        assertFalse(once.first("one more"), "full: nothing new is added, nothing new is logged");
    }

    @Test
    void aBudgetRefusesWhatDoesNotFitAndKeepsNothingOfIt() {
        DecodeBudget budget = DecodeBudget.forBytes(10); // 256 + 160
        assertEquals(416, budget.capacity());
        budget.charge(400);
        assertThrows(KryoException.class, () -> budget.charge(17));
        budget.charge(16); // the refused 17 were not kept
        assertThrows(KryoException.class, () -> budget.charge(1));
        assertThrows(KryoException.class, () -> DecodeBudget.forBytes(0).charge(Long.MAX_VALUE));
    }

    @Test
    void aWorkerKeepsNoLargeBufferAndIsDroppedAfterAFailure() {
        KryoFactory factory = new KryoFactory(ClassAllowlist.parse(""), getClass().getClassLoader(), MetricsRecorder.create(false));
        KryoFactory.Worker w = factory.newWorker();
        w.output.writeBytes(new byte[1 << 20]);
        w.input.start(new byte[1 << 20], 0, 1 << 20, DecodeBudget.forBytes(1 << 20));
        assertTrue(w.release(true), "a worker that succeeded goes back to the pool");
        assertTrue(w.output.getBuffer().length <= 64 * 1024, "output buffer " + w.output.getBuffer().length);
        assertEquals(0, w.input.getBuffer().length, "the value's bytes are not kept");
        assertFalse(w.release(false), "a worker whose operation failed is dropped");
    }

    @Test
    void structureChecksRefuseCyclesDepthAndMultipliedSizes() {
        StructureCheck check = new StructureCheck(DecodeBudget.forBytes(1000));
        List<Object> self = new ArrayList<>();
        self.add(Optional.of(self)); // through an Optional: still a cycle of JDK containers
        assertTrue(assertThrows(KryoException.class, () -> check.unfoldedSize(self)).getMessage().contains("contains itself"));

        Object deep = Crafted.nest(BoundedInput.MAX_DEPTH, "x");
        assertThrows(KryoException.class, () -> new StructureCheck(DecodeBudget.forBytes(1000)).unfoldedSize(deep));
        assertEquals(BoundedInput.MAX_DEPTH, new StructureCheck(DecodeBudget.forBytes(1000))
                .unfoldedSize(Crafted.nest(BoundedInput.MAX_DEPTH - 1, "x")), "63 lists and a leaf");

        List<Object> doubling = new ArrayList<>(List.of("x"));
        for (int i = 0; i < 20; i++) {
            doubling = new ArrayList<>(List.of(doubling, doubling)); // 2^21 - 1 + 2^20 elements unfolded
        }
        List<Object> big = doubling;
        assertThrows(KryoException.class, () -> new StructureCheck(DecodeBudget.forBytes(1000)).unfoldedSize(big));

        record Pair(Object left, Object right) {
        }
        Map<String, Object> map = Map.of("k", new Pair("a", List.of("b", "c")));
        assertEquals(7, new StructureCheck(DecodeBudget.forBytes(1000)).unfoldedSize(map), "map, key, pair, a, list, b, c");
    }
}
