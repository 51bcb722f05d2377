package io.minimesh.pilot.scale;

/** Runs {@link GenerationScaleTest} outside Maven (java -cp … io.minimesh.pilot.scale.ScaleMain), e.g. under JFR. */
public final class ScaleMain {
  public static void main(String[] args) {
    new GenerationScaleTest().generate1000Services();
  }

  private ScaleMain() {}
}
